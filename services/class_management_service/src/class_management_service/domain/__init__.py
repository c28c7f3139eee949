"""Pure rules of class management: name matching. No I/O."""
