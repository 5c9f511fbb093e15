"""Reports (issue 17): one module per report; the lead's version of this file wins at merge."""
