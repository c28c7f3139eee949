"""Teacher accounts, classes, students and essay-to-student associations."""
