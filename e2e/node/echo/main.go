// Command echo is the node tests' container: an HTTP server that says who it is, and the client
// commands the tests run inside pods with `kubectl exec` (resolve a name, GET a URL, read from a
// TCP address). Static, standard library only, so its image is one file.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

const timeout = 5 * time.Second

func main() {
	if len(os.Args) < 2 {
		fail("usage: echo serve | resolve NAME | get URL | read HOST:PORT | netns")
	}
	arg := func() string {
		if len(os.Args) < 3 {
			fail(os.Args[1] + " needs an argument")
		}
		return os.Args[2]
	}
	var out string
	var err error
	switch os.Args[1] {
	case "serve":
		serve()
		return
	case "resolve":
		out, err = resolve(arg())
	case "get":
		out, err = get(arg())
	case "read":
		out, err = read(arg())
	case "netns":
		out, err = os.Readlink("/proc/self/ns/net")
	default:
		fail("unknown command " + os.Args[1])
	}
	if err != nil {
		fail(err.Error())
	}
	fmt.Println(out)
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "echo:", message)
	os.Exit(1)
}

func resolve(name string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	addrs, err := net.DefaultResolver.LookupHost(ctx, name)
	return strings.Join(addrs, " "), err
}

func get(url string) (string, error) {
	client := http.Client{Timeout: timeout}
	response, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(io.LimitReader(response.Body, 1<<16))
	if err == nil && response.StatusCode != http.StatusOK {
		err = fmt.Errorf("GET %s: HTTP %d", url, response.StatusCode)
	}
	return strings.TrimSpace(string(body)), err
}

func read(address string) (string, error) {
	conn, err := net.DialTimeout("tcp", address, timeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	data, err := io.ReadAll(io.LimitReader(conn, 1<<12))
	return strings.TrimSpace(string(data)), err
}

func serve() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	host, _ := os.Hostname()
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("%s %s from %s\n", r.Method, r.URL.Path, r.RemoteAddr)
		fmt.Fprintf(w, "hello from %s (%s)\n", host, localAddress(r))
	})
	server := &http.Server{Addr: ":" + port, Handler: mux, ReadHeaderTimeout: timeout}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-stop
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		server.Shutdown(ctx)
	}()
	fmt.Printf("serving on :%s as %s\n", port, host)
	if err := server.ListenAndServe(); err != nil && err != http.ErrServerClosed {
		fail(err.Error())
	}
}

// localAddress is the pod address the request arrived on.
func localAddress(r *http.Request) string {
	if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		host, _, _ := net.SplitHostPort(addr.String())
		return host
	}
	return "?"
}
