"""Report screens (issue 17) (temporary package file; the lead's version wins)."""
