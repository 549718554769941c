module berth.test/gotemplate

go 1.24
