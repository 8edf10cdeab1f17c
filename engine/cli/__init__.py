"""The headless `interlock` command line (DESIGN §5): validate, run, history, show, export."""
