package main

import "os"

func main() { os.Exit(0) } // fine: a main package is a process
