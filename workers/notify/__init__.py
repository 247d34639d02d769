"""Chat messages sent by workers: results of background checks and runs' progress messages."""
