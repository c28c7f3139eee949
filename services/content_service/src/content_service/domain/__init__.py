"""Content service's pure rules: the batch state machine, text extraction and upload vetting (no I/O)."""
