package models_test

import (
	"testing"

	"github.com/clockroom/clockroom/internal/testkit/testdb"
)

func TestMain(m *testing.M) { testdb.Main(m) }
