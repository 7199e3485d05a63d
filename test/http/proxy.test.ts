import { describe, expect, it } from "vitest";
import { bypassed, displayProxy, proxyFor, proxySecrets } from "../../src/http/proxy.js";

const https = new URL("https://git.example.com/rest");
const http = new URL("http://git.example.com:7990/rest");

describe("proxy settings from the environment", () => {
  it("picks HTTPS_PROXY for https (HTTP_PROXY as a fallback) and HTTP_PROXY for http; lower case wins", () => {
    expect(proxyFor(https, { HTTPS_PROXY: "http://p:3128" })).toBe("http://p:3128");
    expect(proxyFor(https, { HTTP_PROXY: "http://p:3128" })).toBe("http://p:3128");
    expect(proxyFor(http, { HTTPS_PROXY: "http://p:3128" })).toBeUndefined();
    expect(proxyFor(http, { http_proxy: "http://lower:1", HTTP_PROXY: "http://upper:2" })).toBe(
      "http://lower:1",
    );
    expect(proxyFor(https, { https_proxy: "  ", HTTPS_PROXY: "http://p:1" })).toBeUndefined();
    expect(proxyFor(https, {})).toBeUndefined();
    // Without a scheme it is an http proxy, as curl reads it.
    expect(proxyFor(https, { HTTPS_PROXY: "proxy.corp:3128" })).toBe("http://proxy.corp:3128");
  });

  it("bypasses NO_PROXY hosts: names and their subdomains, leading dots and wildcards, ports, *", () => {
    expect(bypassed(https, "example.com")).toBe(true);
    expect(bypassed(https, ".example.com")).toBe(true);
    expect(bypassed(https, "*.example.com")).toBe(true);
    expect(bypassed(https, "other.com, git.example.com")).toBe(true);
    expect(bypassed(https, "other.com git.example.com")).toBe(true);
    expect(bypassed(https, "ample.com")).toBe(false);
    expect(bypassed(http, "git.example.com:7990")).toBe(true);
    expect(bypassed(http, "git.example.com:80")).toBe(false);
    expect(bypassed(https, "git.example.com:443")).toBe(true);
    expect(bypassed(https, "*")).toBe(true);
    // The usual "localhost,127.0.0.1,::1": a bare IPv6 address is all host, no port.
    expect(bypassed(new URL("http://[::1]:8080/"), "localhost,127.0.0.1,::1")).toBe(true);
    expect(bypassed(new URL("http://[::1]:8080/"), "[::1]:8080")).toBe(true);
    expect(bypassed(new URL("http://[::1]:8080/"), "[::1]:80")).toBe(false);
    expect(bypassed(new URL("http://[::2]:8080/"), "::1")).toBe(false);
    // An address written in full is the same address as the URL's short form.
    const v6 = new URL("https://[fd00::1]:8443/rest");
    expect(bypassed(v6, "fd00:0:0:0:0:0:0:1")).toBe(true);
    expect(bypassed(v6, "[FD00:0000:0000:0000:0000:0000:0000:0001]:8443")).toBe(true);
    expect(bypassed(v6, "fd00:0:0:0:0:0:0:2")).toBe(false);
    expect(proxyFor(https, { HTTPS_PROXY: "http://p:1", no_proxy: "EXAMPLE.com" })).toBeUndefined();
  });

  it("knows the proxy credentials for masking, and shows the proxy without them", () => {
    const env = { HTTPS_PROXY: "http://jane:p%40ss@proxy:3128", http_proxy: "proxy2:8080" };
    expect(new Set(proxySecrets(env))).toEqual(
      new Set(["p@ss", "p%40ss", Buffer.from("jane:p@ss").toString("base64")]),
    );
    expect(proxySecrets({ HTTPS_PROXY: "not a url ::" })).toEqual([]);
    expect(displayProxy("http://jane:p%40ss@proxy:3128")).toBe("http://proxy:3128");
    expect(displayProxy("::")).toBe("(unparsable proxy URL)");
  });
});
