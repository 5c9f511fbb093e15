"""Reports (issue 17); the lead's version of this file wins at merge."""
