"""`python -m timescales`: the same command as `timescales`, for when the script is not on PATH."""

from .cli import main

main()
