// Placeholder: the daemon layer is being written.
