"""Reports and statistics (issue 17): each report a module computing its figures in SQL, scoped by
``app/security/scope.py`` like the lists — ``salary`` (danh sách và tiền lương, step raises due), and the others
as they land (BM02 and its family, biên chế and vị trí việc làm, data quality, the dashboard)."""
