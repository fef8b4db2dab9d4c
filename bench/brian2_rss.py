"""C++ that a Brian2 standalone binary runs at its end: it writes its own
peak RSS (VmHWM, kB) to results/peak_rss_kb.txt, for the bench scripts."""

VMHWM_CODE = r'''
{
    std::ifstream status("/proc/self/status");
    std::ofstream out("results/peak_rss_kb.txt");
    std::string line;
    while (std::getline(status, line))
        if (line.compare(0, 6, "VmHWM:") == 0) out << line.substr(6) << std::endl;
}
'''
