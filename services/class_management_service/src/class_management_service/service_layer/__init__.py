"""One function per command or event, taking explicit dependencies."""
