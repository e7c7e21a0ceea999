// Placeholder: ivyctl is being written.
