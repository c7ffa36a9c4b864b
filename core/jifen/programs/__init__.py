"""Service programs: rounds and applying, publication, offers, transparency."""
