"""link: whole-program resolution passes over the facts of every file."""
