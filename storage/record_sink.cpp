// Placeholder: the storage layer is being written.
