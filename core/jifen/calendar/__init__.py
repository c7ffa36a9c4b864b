"""Dates of the scheme: ages on a day, school-year cut-offs, working days."""
