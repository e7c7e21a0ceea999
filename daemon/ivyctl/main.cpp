// Placeholder until ivyctl lands.
int main() { return 0; }
