"""HuleEdu contracts shared by every service: models and names only, never I/O."""
