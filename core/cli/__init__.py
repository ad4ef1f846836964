"""The `assistant` command line: one module per subcommand, dispatched by core.cli.main."""
