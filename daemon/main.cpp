// Placeholder until the agent lands.
int main() { return 0; }
