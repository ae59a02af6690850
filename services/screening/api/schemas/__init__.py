"""HTTP request and response schemas of the screening API (event contracts live in shared/)."""
