-- One database per service: they never share tables.
CREATE DATABASE screening;
CREATE DATABASE scheduling;
CREATE DATABASE claims;
CREATE DATABASE notifications;
CREATE DATABASE console;
