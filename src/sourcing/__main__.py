"""`python -m sourcing` runs the command line."""

from sourcing.cli import main

main()
