"""Security: the security manager, permission names, roles as data, and the scope function."""
