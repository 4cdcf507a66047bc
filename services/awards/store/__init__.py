"""Every SQL statement of the service's own tables and its read model, one module per aggregate or
read model: plain functions over a connection; the commands decide, these read and write."""
