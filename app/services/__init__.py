"""Domain services: one module per aggregate; one public function = one use case = one transaction."""
