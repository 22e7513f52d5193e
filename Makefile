# The two commands a newcomer needs: `make run` (install, build, start the lab) and `make test`.
MVN ?= mvn -B --no-transfer-progress

.PHONY: run install deps test-deps build test bench clean soak

run: install
	vnet up -d
	@echo "try: vnet apply -f labs/examples/pods.yaml && vnet get pods -o wide   (stop with: vnet down)"

install: build
	install -D -m 0644 lab-cli/target/vnet.jar /usr/local/lib/vnet/vnet.jar
	install -D -m 0755 scripts/vnet /usr/local/bin/vnet
	rm -rf /usr/local/share/vnet/labs && mkdir -p /usr/local/share/vnet && cp -r labs /usr/local/share/vnet/labs
	@echo "installed: /usr/local/bin/vnet"

# What running the lab needs; test-deps adds what only the tests use (tmux, ruby, shellcheck, vagrant...).
deps:
	@scripts/install-deps.sh run

test-deps:
	@scripts/install-deps.sh test

build: deps
	$(MVN) -q -DskipTests package

# Every test: unit tests, and integration tests with real namespaces and TAP devices (as root).
test: test-deps
	@$(MVN) test; status=$$?; scripts/test-summary.sh; exit $$status

# The chaos run, longer: ten rounds of faults, node kills, etcd outages and pod churn under traffic (as root).
soak: test-deps
	$(MVN) test -pl lab-cli -am -Dtest=ChaosIntegrationTest -Dvnet.chaos.rounds=10 -Dsurefire.failIfNoSpecifiedTests=false
	@cat lab-cli/target/chaos-report.txt

# Throughput and latency of vnet against the kernel's bridge/VXLAN, vde_switch and tinc (as root).
bench: build
	scripts/bench.sh

clean:
	$(MVN) -q clean
