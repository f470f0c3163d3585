"""The instance: its schema (pydantic), the files it is read from and written to, overrides
and named what-ifs, and generated instances of any size."""
