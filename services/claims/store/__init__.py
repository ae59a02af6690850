"""The claims database: tables (``tables``) and the queries each part of the service needs."""
