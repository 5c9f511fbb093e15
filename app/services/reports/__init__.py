"""Official statistical reports (issue 17): one module per report."""
