package reports

import (
	"flag"
	"os"
	"path/filepath"
)

var scratch = os.TempDir() // fine: tests may touch the process and hold state
var update = flag.Bool("update", false, "regenerate")

func read(name string) {
	_, _ = os.ReadFile("../../shared/SPECS.md")                            // breaks: outside the repository
	_, _ = os.ReadFile(filepath.Join("..", "..", "shared", "seeds", name)) // breaks
	_, _ = os.ReadFile("../README.md")                                     // fine: inside
	if *update {
		_, _ = os.ReadFile("../../shared/SPECS.md") // fine: regenerating on demand
	}
}
