"""`python -m heal` is the `heal` command."""

from heal.cli import main

main()
