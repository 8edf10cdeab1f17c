"""Back-ends: what a VM manager and a monitoring system must do (interface.py), and the
implementations, each registered as a connection kind through the `interlock.backends` entry points."""
