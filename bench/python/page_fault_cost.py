#!/usr/bin/env python3
"""What a first touch of fresh memory costs on this machine, per 4 KiB page.

    python3 bench/python/page_fault_cost.py [--mib 64]

Maps anonymous memory and writes one byte per page (each write is a page fault: the kernel finds, clears and maps a
page), then writes the same pages again (no fault: the cost of the write itself). On a paravirtualised VM a fault
can cost ten times what it costs on bare metal, and then every MiB a process touches for the first time is
milliseconds of CPU: the reason registryctl's short commands count their allocations and their buffers.
"""
import argparse
import mmap
import time

PAGE = mmap.PAGESIZE


def touch(buffer, size):
    start = time.perf_counter()
    for offset in range(0, size, PAGE):
        buffer[offset] = 1
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=64)
    args = parser.parse_args()
    size = args.mib << 20
    pages = size // PAGE
    buffer = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    first = touch(buffer, size)
    again = touch(buffer, size)
    print(f"{pages} pages of {PAGE} bytes: first touch {first / pages * 1e6:.1f} us/page, "
          f"touched again {again / pages * 1e6:.2f} us/page; "
          f"so a fresh MiB costs {(first - again) / args.mib * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
