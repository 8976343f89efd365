module go-hello

go 1.19

require github.com/tencentyun/scf-go-lib v0.0.0

// The scf-go-lib-compatible library of this repository, so the build needs no network.
// Against the real github.com/tencentyun/scf-go-lib the same source builds unchanged.
replace github.com/tencentyun/scf-go-lib => ../../sdk/go/scf-go-lib
