"""Reports and statistics (issue 17): each report a module computing its figures in SQL (grouped statements, never
people loaded into Python), scoped by ``app/security/scope.py`` like the lists — ``salary`` (danh sách và tiền
lương, step raises due), ``staffing`` (biên chế, vị trí việc làm), ``bm02`` (the BM02/BNV family), ``quality``
(Đúng – Đủ – Sạch – Sống), ``dashboard``. Their XLSX files: ``xlsx_exports`` (each report's export, run by the
background export job), ``people_xlsx`` (the people list), ``workbook`` (constant memory, never a formula)."""
