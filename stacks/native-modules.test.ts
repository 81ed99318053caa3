import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { installNativeModules, installedVersion, MANIFEST, nativeModulesMode, nativeModulesPlan, withNativeModules } from "./native-modules";

/**
 * The native-module install of the indexer's bundle. Offline, these check the plan (what npm will be
 * asked); the install itself needs the npm registry and runs only when MEDIA_NATIVE_INSTALL_TEST=1.
 */
describe("native modules", () => {
  it("plans sharp for Lambda's platform: the tested version, the target OS, CPU and libc, optional binaries included", () => {
    const version = installedVersion("sharp");
    expect(version).toMatch(/^\d+\.\d+\.\d+$/);
    const arm = nativeModulesPlan("arm_64", ["sharp"]);
    expect(arm).toMatchObject({ packages: { sharp: version }, os: "linux", cpu: "arm64", libc: "glibc", expect: ["@img/sharp-linux-arm64", "@img/sharp-libvips-linux-arm64"] });
    expect(arm.npmArgs.slice(0, 1)).toEqual(["install"]);
    expect(arm.npmArgs).toEqual(expect.arrayContaining(["--os=linux", "--cpu=arm64", "--libc=glibc", "--include=optional", "--ignore-scripts", "--no-package-lock", `sharp@${version}`]));
    expect(nativeModulesPlan("x86_64", ["sharp"])).toMatchObject({ cpu: "x64", expect: ["@img/sharp-linux-x64", "@img/sharp-libvips-linux-x64"] });
  });

  it("keeps the modules external and out of SST's own install, keeping the other bundle settings", () => {
    const props = withNativeModules({ format: "esm", minify: true, esbuild: { target: "node22", external: ["pg-native"] } }, "arm_64", ["sharp"], "plan");
    expect(props.nodejs).toEqual({ format: "esm", minify: true, esbuild: { target: "node22", external: ["pg-native", "sharp"] }, install: [] });
    expect(typeof props.hooks?.afterBuild).toBe("function");
  });

  it("records the plan in the bundle without running npm in plan mode", async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), "native-plan-"));
    try {
      const manifest = await installNativeModules(out, nativeModulesPlan("arm_64", ["sharp"]), "plan");
      expect(JSON.parse(await fs.readFile(path.join(out, MANIFEST), "utf8"))).toEqual(manifest);
      expect(await fs.readdir(out)).toEqual([MANIFEST]);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
    }
  });

  it("under sst dev installs nothing: the modules come from the project's node_modules, which SST links into the bundle", async () => {
    expect(nativeModulesMode("dev", undefined)).toBe("linked");
    expect(nativeModulesMode("dev", "install")).toBe("linked");
    expect(nativeModulesMode("deploy", undefined)).toBe("install");
    expect(nativeModulesMode("deploy", "plan")).toBe("plan");
    expect(nativeModulesMode("remove", "install")).toBe("install");
    expect(() => nativeModulesMode("deploy", "maybe")).toThrow(/must be "install" or "plan"/);

    const project = await fs.mkdtemp(path.join(os.tmpdir(), "native-project-"));
    const out = await fs.mkdtemp(path.join(os.tmpdir(), "native-linked-"));
    try {
      await fs.mkdir(path.join(project, "node_modules"));
      await fs.symlink(path.join(project, "node_modules"), path.join(out, "node_modules"), "dir");
      const manifest = await installNativeModules(out, nativeModulesPlan("arm_64", ["sharp"]), "linked");
      expect(manifest).toMatchObject({ mode: "linked" });
      expect(manifest.installed).toBeUndefined();
      expect((await fs.readdir(out)).sort()).toEqual([MANIFEST, "node_modules"]);
      expect(await fs.readdir(path.join(project, "node_modules"))).toEqual([]);
      // An install through the link would put Lambda's binaries into the project: refused before npm runs.
      await expect(installNativeModules(out, nativeModulesPlan("arm_64", ["sharp"]), "install")).rejects.toThrow(/links to the project's/);
      expect(await fs.readdir(path.join(project, "node_modules"))).toEqual([]);
    } finally {
      await fs.rm(out, { recursive: true, force: true });
      await fs.rm(project, { recursive: true, force: true });
    }
  });

  it.runIf(process.env.MEDIA_NATIVE_INSTALL_TEST === "1")(
    "installs linux-arm64 binaries from the registry on an x64 machine (MEDIA_NATIVE_INSTALL_TEST=1; needs the npm registry)",
    async () => {
      const out = await fs.mkdtemp(path.join(os.tmpdir(), "native-install-"));
      try {
        const plan = nativeModulesPlan("arm_64", ["sharp"]);
        const manifest = await installNativeModules(out, plan, "install");
        expect(manifest.installed).toMatchObject({ sharp: plan.packages.sharp, "@img/sharp-linux-arm64": plan.packages.sharp });
        const lib = path.join(out, "node_modules/@img/sharp-linux-arm64/lib");
        const [addon] = (await fs.readdir(lib)).filter((f) => f.endsWith(".node"));
        const elf = await fs.readFile(path.join(lib, addon!));
        // ELF, 64-bit, e_machine 183 = AArch64.
        expect(elf.subarray(0, 4).toString("latin1")).toBe("\x7fELF");
        expect(elf.readUInt16LE(18)).toBe(183);
        // Nothing for the build machine's platform came along.
        await expect(fs.access(path.join(out, "node_modules/@img/sharp-linux-x64"))).rejects.toThrow();
      } finally {
        await fs.rm(out, { recursive: true, force: true });
      }
    },
    120_000,
  );
});
