/**
 * The entry point the Node.js language host runs for the component package: it serves the
 * components over Pulumi's provider protocol (the engine address comes as the argument).
 */
import { main } from "@pulumi/pulumi/provider";
import { COMPONENTS, PACKAGE_NAME } from "./components";
import { MlComponentProvider } from "./provider";

void main(
  new MlComponentProvider({ components: COMPONENTS, name: PACKAGE_NAME, dirname: __dirname }),
  process.argv.slice(2),
);
