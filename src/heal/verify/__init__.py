"""Step 4 of the flow: verification of planned fixes against the analyzers and the tests."""
