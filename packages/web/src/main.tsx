import { render } from "preact";
import { createServices } from "./services";
import { App } from "./ui/App";
import "./styles.css";

const maxFileBytes = Number(import.meta.env.VITE_MAX_FILE_BYTES);
const services = createServices(import.meta.env.VITE_API_URL ?? "", Number.isFinite(maxFileBytes) && maxFileBytes > 0 ? { maxFileBytes } : {});
render(<App services={services} />, document.getElementById("app")!);
