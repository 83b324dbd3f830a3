// The web dashboard (GET /, /static/*) and server-side structure depictions (GET /v1/depict, RDKit MolDraw2DSVG).
#include <GraphMol/Depictor/RDDepictor.h>
#include <GraphMol/MolDraw2D/MolDraw2DSVG.h>
#include <GraphMol/RWMol.h>

#include "chem/mol_input.h"
#include "core/error.h"
#include "serve/dashboard_assets.h"
#include "serve/router.h"
#include "serve/server_context.h"

namespace hitforge::serve {

namespace {
// Depictions run on the worker pool like every RDKit computation of the server (a page of results asks for dozens
// at once, and sanitising or laying out a hostile SMILES can take long); these limits keep each one cheap.
constexpr std::size_t kDepictMaxLength = 1000;
constexpr int kDepictMaxAtoms = 150;
}  // namespace

void add_dashboard_routes(ServerContext& ctx) {
  Router& router = ctx.router;
  router.add_sync(
      "GET", "/", [](Request&) { return Response::text(200, dashboard_html(), "text/html; charset=utf-8"); },
      operation("Web dashboard (HTML)", {200}));
  router.add_sync(
      "GET", "/static/app.js",
      [](Request&) { return Response::text(200, dashboard_js(), "text/javascript; charset=utf-8"); },
      operation("Dashboard script", {200}));
  router.add_sync(
      "GET", "/static/app.css", [](Request&) { return Response::text(200, dashboard_css(), "text/css; charset=utf-8"); },
      operation("Dashboard style sheet", {200}));
  Route depict;
  depict.method = "GET";
  depict.pattern = "/v1/depict";
  depict.openapi =
      operation("2D depiction of a SMILES as SVG (RDKit MolDraw2DSVG), drawn on the worker pool", {200, 400, 503},
                {{"smiles", "the molecule"}, {"width", "pixels, 50-1000"}, {"height", "pixels, 50-1000"}});
  depict.handler = [&ctx](Request& req, Responder respond) {
    // Parameters are checked here (cheap); parsing and drawing happen on a worker.
    std::string smiles = req.param("smiles");
    if (smiles.empty() || smiles.size() > kDepictMaxLength)
      throw HttpError(400, "invalid_parameter", "'smiles' must be 1-1000 characters");
    const int width = static_cast<int>(int_param(req.param("width", "300"), "width", 50, 1000));
    const int height = static_cast<int>(int_param(req.param("height", "200"), "height", 50, 1000));
    run_on_worker(
        ctx, respond,
        [smiles = std::move(smiles), width, height] {
          chem::ParseParams pp;
          pp.max_length = kDepictMaxLength;
          pp.max_heavy_atoms = kDepictMaxAtoms;
          chem::ParsedMol parsed = chem::parse_smiles(smiles, pp);
          if (!parsed.ok()) throw HttpError(400, "invalid_molecule", "cannot depict: " + parsed.reason);
          std::string svg;
          try {
            RDDepict::compute2DCoords(*parsed.mol);
            RDKit::MolDraw2DSVG drawer(width, height);
            drawer.drawOptions().clearBackground = false;
            drawer.drawMolecule(*parsed.mol);
            drawer.finishDrawing();
            svg = drawer.getDrawingText();
          } catch (const std::exception&) {
            throw HttpError(400, "invalid_molecule", "cannot depict this molecule");
          }
          Response r = Response::text(200, std::move(svg), "image/svg+xml");
          // The SVG is a pure function of the query: let browsers keep it.
          r.headers.emplace_back("Cache-Control", "private, max-age=86400");
          return r;
        },
        task_deadline(ctx));
  };
  router.add(std::move(depict));
}

}  // namespace hitforge::serve
