module github.com/tencentyun/scf-go-lib

go 1.16
