"""RAS's pure rules: how events fold into job and batch state. No I/O."""
