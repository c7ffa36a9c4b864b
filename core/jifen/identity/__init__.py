"""Identity: national ID numbers, personal-data protection, passwords, login."""
