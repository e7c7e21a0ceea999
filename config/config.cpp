// Placeholder: the config layer is being written.
