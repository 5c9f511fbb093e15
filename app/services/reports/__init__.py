"""Reports (issue 17): one module per report family (temporary package file; the lead's version wins)."""
