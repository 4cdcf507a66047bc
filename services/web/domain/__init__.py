"""What the pages compute without I/O: Vietnamese formats and the reading of form fields."""
