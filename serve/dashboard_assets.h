#pragma once
// The dashboard's static files (dashboard_assets.cpp), compiled into the binary.
namespace hitforge::serve {
const char* dashboard_html();
const char* dashboard_css();
const char* dashboard_js();
/// Answer body of a 401 to a browser (Accept: text/html): asks for the token and stores it in a SameSite=Strict
/// cookie, which the router accepts like the Authorization header.
const char* login_html();
}  // namespace hitforge::serve
