"""Running: one task x one model (`task`), the run loop over models x tasks, its configuration, executors, latency, audits, and re-scoring committed results."""
