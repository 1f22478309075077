package reports

import "os"

var scratch = os.TempDir() // fine: tests may touch the process and hold state
